"""The rules for secrets in an argument's place, in directives and in Vault's own forms,
and the context that keeps ids, cursors and prose out (plain lines through the engine).

These are tuning examples, written beside the rules; the measuring set they are judged
on is tests/data/secrets_corpus/frozen (benchmarks/frozen_corpus.py), which no rule is
written against. Values are random per run: none was ever a credential."""

from __future__ import annotations

import base64
import secrets
import string
import uuid

import pytest

from vault_gate.compliance.scan import engine

ENGINE = engine.Engine(engine.engine_plugins(engine.builtin_regex_plugins()))
B62 = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = B62) -> str:
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
            return value


def _found(name: str, text: str) -> dict[int, set[str]]:
    """Line -> values found (values stay inside the test)."""
    out: dict[int, set[str]] = {}
    for hit in ENGINE.scan(text.encode(), name):
        out.setdefault(hit.line, set()).add(hit.value)
    return out


PW, KEY, TOKEN = _random(20), _random(32), "s." + _random(24)
SHORT = "s." + _random(20)
AWS_SECRET = _random(40, B62 + "+/")
SHARE = base64.b64encode(secrets.token_bytes(33)).decode()
UUID = str(uuid.uuid4())

# (file name, text, {line: value}) -- each value must be found on its line, nothing else.
FOUND = [
    ("docker-compose.yml", f'    command: ["redis-server", "--requirepass", "{PW}"]', {1: PW}),
    (
        "compose.yml",
        f"    command:\n      - redis-server\n      - --requirepass\n      - '{PW}'",
        {4: PW},
    ),
    ("run.sh", "docker run redis redis-server --requirepass 123456 --save 60", {1: "123456"}),
    ("backup.sh", f"mysqldump -u backup -p'{PW}' shop > shop.sql", {1: PW}),
    ("ping.sh", f"redis-cli -h cache -a {PW} ping", {1: PW}),
    ("ci.sh", f"aws configure set aws_secret_access_key {AWS_SECRET}", {1: AWS_SECRET}),
    ("login.sh", f"bao login {TOKEN}\nvault login -no-print {SHORT}", {1: TOKEN, 2: SHORT}),
    ("ci-token.sh", f"vault token create -policy=ci -id={SHORT}", {1: SHORT}),
    ("vault.py", f"client = hvac.Client(\n    url=VAULT_ADDR,\n    token='{PW}',\n)", {3: PW}),
    ("auth.py", f'    return jwt.encode(payload, "{PW}", algorithm="HS256")', {1: PW}),
    ("auth.js", f"  return jwt.sign({{ sub: u.id }}, '{PW}', {{ expiresIn: '1h' }});", {1: PW}),
    (
        "redis.conf",
        f"# requirepass foobared\nrequirepass {PW}\nmasterauth {PW}x",
        {2: PW, 3: PW + "x"},
    ),
    ("sentinel.conf", f"sentinel auth-pass orders-primary {PW}", {1: PW}),
    (".pgpass", f"db.internal:5432:orders:orders_app:{PW}\n*:*:*:replicator:*", {1: PW}),
    (
        "unseal.service",
        f'Environment="BAO_ADDR=https://127.0.0.1:8200"\nEnvironment="UNSEAL_KEY_1={SHARE}"',
        {2: SHARE},
    ),
    ("api.service", f"Environment=LOG_LEVEL=info\nEnvironment=DB_PASSWORD={PW}", {2: PW}),
    (
        "settings.yaml",
        'app:\n  name: orders\n  SECRET_KEY: "a8(k)2#$j!x9@w3%q7&z1*m5^n0)b4-_c6=+"',
        {3: "a8(k)2#$j!x9@w3%q7&z1*m5^n0)b4-_c6=+"},
    ),
    ("secret-id", f"{UUID}\n", {1: UUID}),
    ("client.py", f'HEADERS = {{"X-API-Key": "{KEY}", "Accept": "application/json"}}', {1: KEY}),
    ("client.go", f'\treq.Header.Set("X-API-Key", "{KEY}")', {1: KEY}),
    ("smoke.sh", f"curl -fsS -H 'Authorization: Token {KEY}' \"$HOST/api\"", {1: KEY}),
    ("old.env", f"VAULT_TOKEN={UUID}", {1: UUID}),
    ("login.log", f"$ vault login {UUID}", {1: UUID}),
]

# Nothing is a secret here: references, placeholders, ids and cursors, prose, subcommands.
QUIET = [
    ("compose.yml", "    command: redis-server --requirepass ${REDIS_PASSWORD:?set it}"),
    ("cli.py", 'parser.add_argument("--password", help="the password to use")'),
    ("backup.sh", 'mysql -u root -p"$MYSQL_ROOT_PASSWORD" shop\ndocker login --password-stdin'),
    (
        "setup.sh",
        "vault auth enable approle\nvault auth list\nvault login -method=oidc\nvault login -",
    ),
    ("app.py", 'log.error("Vault login failed")\nprint("vault login successful")'),
    ("redis.conf", "# requirepass foobared\nrequirepass ${REDIS_PASSWORD}"),
    ("README.md", "    localhost:5432:database_name:username:secret\nvault login <token>"),
    ("net.txt", "fe80:0:0:0:200:f8ff:fe21:67cf\n2026-03-02T10:15:00:12 start"),
    ("sandbox.py", 'jwt.encode({"some": "payload"}, "secret", algorithm="HS256")'),
    ("auth.js", "jwt.sign(payload, process.env.JWT_SECRET)"),
    ("client.py", 'headers = {"Authorization": f"Bearer {token}"}\nh["X-Api-Key"] = api_key'),
    ("docs.md", 'curl -H "X-API-Key: your-api-key-here" https://api.example.com'),
    ("change.json", f'"ChangeToken": "{UUID}",\n"ClientToken": "{UUID}",\n"NextToken": "{UUID}"'),
    ("ec2.py", f'ec2.run_instances(ImageId="ami-1", ClientToken="{UUID}")'),
    ("paginate.ts", f'const sampleCursor = {{ continuationToken: "{_random(48)}" }};'),
    ("trace.log", f"INFO job=backup upload_token={UUID} request_token={UUID} ok"),
    ("role-id", f"{UUID}\n"),
    ("agent.hcl", '  secret_id_file_path = "/etc/vault-agent/secret-id"'),
]


@pytest.mark.parametrize(("name", "text", "expected"), FOUND, ids=[c[0] for c in FOUND])
def test_secret_in_its_place_is_found_on_its_line(
    name: str, text: str, expected: dict[int, str]
) -> None:
    got = _found(name, text)
    assert set(got) == set(expected), (name, sorted(got))
    for line, value in expected.items():
        assert value in got[line], (name, line)


@pytest.mark.parametrize(("name", "text"), QUIET, ids=[c[0] for c in QUIET])
def test_what_is_not_a_secret_stays_quiet(name: str, text: str) -> None:
    assert _found(name, text) == {}, name
