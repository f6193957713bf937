"""Code reading in every language the gate reads (compliance/code/): a known-bad and a
known-good fixture per language and per check, the tricky cases among them (aliases,
destructuring, ``os.LookupEnv`` with a default, the dev-only fallback), and the files the
gate cannot judge (another language, binary, huge, not parsing)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vault_gate.compliance.checks.migrated import judge_code
from vault_gate.compliance.checks.rotation import check_no_stale_cache
from vault_gate.compliance.code import LANGUAGES, NOT_PARSED, NOT_READ, READ, read_code, read_source
from vault_gate.compliance.code.languages import Language

LANG = {lang.name: lang for lang in LANGUAGES}


def _read(language: str, code: str):  # type: ignore[no-untyped-def]
    reading = read_source(textwrap.dedent(code).encode(), LANG[language])
    assert reading.status == READ, reading.describe()
    return reading


# -- environment reads: (language, code, the names read) --------------------------------
ENV_READS = [
    ("Python", """
        import os
        from os import environ, getenv
        a = os.environ["DATABASE_URL"]
        b = os.getenv("SIGNING_KEY", "dev")
        c = environ.get("VAULT_TOKEN")
        env = os.environ
        d = env["API_KEY"]
        """, {"DATABASE_URL", "SIGNING_KEY", "VAULT_TOKEN", "API_KEY"}),
    ("Python", """
        import os
        # os.environ["SIGNING_KEY"] in a comment is not a read
        text = 'os.getenv("VAULT_TOKEN")'
        port = int(os.environ.get("PORT", "8080"))
        """, {"PORT"}),
    ("JavaScript", """
        const url = process.env.DATABASE_URL;
        const key = process.env["SIGNING_KEY"];
        const env = process.env;
        const token = env.VAULT_TOKEN;
        const { API_KEY, COOKIE_SECRET: cookie, PORT = "8080" } = process.env;
        function load(vars = process.env) {
          const { JWT_SECRET: jwt = "" } = vars;
          return [jwt, vars.SMTP_PASSWORD];
        }
        """, {"DATABASE_URL", "SIGNING_KEY", "VAULT_TOKEN", "API_KEY", "COOKIE_SECRET", "PORT",
              "JWT_SECRET", "SMTP_PASSWORD"}),
    ("JavaScript", """
        // process.env.SIGNING_KEY in a comment, and in a string:
        const doc = "process.env.VAULT_TOKEN";
        const other = { env: { SIGNING_KEY: 1 } };
        const k = other.env.SIGNING_KEY;
        const port = Number(process.env.PORT ?? 8080);
        """, {"PORT"}),
    ("TypeScript", """
        const env = process.env;
        const key: string = env.SIGNING_KEY ?? "";
        const { VAULT_TOKEN } = process.env;
        export const port: number = Number(process.env["PORT"]);
        """, {"SIGNING_KEY", "VAULT_TOKEN", "PORT"}),
    ("TypeScript", """
        interface Env { PORT?: string }
        const defaults: Env = { PORT: "8080" };
        // process.env.SIGNING_KEY
        export const port: string = process.env.PORT ?? defaults.PORT ?? "";
        """, {"PORT"}),
    ("Go", """
        package main
        import "os"
        func config() string {
            key := os.Getenv("SIGNING_KEY")
            token, ok := os.LookupEnv("VAULT_TOKEN")
            if !ok {
                token = "default"
            }
            return key + token
        }
        """, {"SIGNING_KEY", "VAULT_TOKEN"}),
    ("Go", """
        package main
        import "os"
        // os.Getenv("SIGNING_KEY") in a comment
        func port() string { return os.Getenv("PORT") }
        """, {"PORT"}),
    ("Java", """
        class Config {
            String key = System.getenv("SIGNING_KEY");
            String token() { var env = System.getenv(); return env.get("VAULT_TOKEN"); }
            String url() { return System.getenv().getOrDefault("DATABASE_URL", ""); }
        }
        """, {"SIGNING_KEY", "VAULT_TOKEN", "DATABASE_URL"}),
    ("Java", """
        class Config {
            // System.getenv("SIGNING_KEY")
            java.util.Map<String, String> m = new java.util.HashMap<>();
            String k = m.get("SIGNING_KEY");
            String port = System.getenv("PORT");
        }
        """, {"PORT"}),
    ("Ruby", """
        key = ENV["SIGNING_KEY"]
        token = ENV.fetch("VAULT_TOKEN", "dev")
        url = ENV.fetch("DATABASE_URL")
        """, {"SIGNING_KEY", "VAULT_TOKEN", "DATABASE_URL"}),
    ("Ruby", """
        # ENV["SIGNING_KEY"]
        settings = { "SIGNING_KEY" => 1 }
        k = settings["SIGNING_KEY"]
        port = ENV.fetch("PORT", "8080")
        """, {"PORT"}),
    ("C#", """
        class Config {
            string Key = Environment.GetEnvironmentVariable("SIGNING_KEY");
            string Token = System.Environment.GetEnvironmentVariable("VAULT_TOKEN");
        }
        """, {"SIGNING_KEY", "VAULT_TOKEN"}),
    ("C#", """
        class Config {
            // Environment.GetEnvironmentVariable("SIGNING_KEY")
            string Port = Environment.GetEnvironmentVariable("PORT");
        }
        """, {"PORT"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "code", "names"),
    ENV_READS,
    ids=[f"{lang}-{'bad' if n - {'PORT'} else 'good'}" for lang, _, n in ENV_READS],
)
def test_environment_reads(language: str, code: str, names: set[str]) -> None:
    assert set(_read(language, code).reads()) == names


# -- values kept from Vault for ever: (language, code, the names kept) ------------------
KEPT = [
    ("Python", """
        from functools import lru_cache
        import time
        KEY = client.secrets.kv.v2.read_secret_version(path="app")["data"]["data"]["key"]
        _cache = {}

        @lru_cache(maxsize=None)
        def get_secret(path):
            return client.secrets.kv.v2.read_secret_version(path=path)

        def signing_key():
            if "k" not in _cache:
                _cache["k"] = client.secrets.kv.v2.read_secret_version(path="app")
            return _cache["k"]
        """, {"KEY", "get_secret", "_cache"}),
    ("Python", """
        import logging, time
        log = logging.getLogger("app.vault")
        client = hvac.Client(url="https://vault:8200")
        _cache = {}

        def signing_key():
            hit = _cache.get("k")
            if hit and hit[0] > time.monotonic():
                return hit[1]
            value = client.secrets.kv.v2.read_secret_version(path="app")
            _cache["k"] = (time.monotonic() + 5, value)
            return value
        """, set()),
    ("JavaScript", """
        const memoize = require("lodash.memoize");
        const keyCache = {};
        export const readKey = memoize(async (name) => vault.read(`kv/data/${name}`));
        async function signingKey() {
          if (keyCache.current) return keyCache.current;
          const entry = await vaultRead("app/keys");
          keyCache.current = entry.data.signing_key;
          return keyCache.current;
        }
        """, {"readKey", "keyCache"}),
    ("JavaScript", """
        const cache = new Map();
        let token = null;
        const client = createVaultClient();
        async function secret(name) {
          const hit = cache.get(name);
          if (hit && hit.expires > Date.now()) return hit.value;
          const res = await fetch(`${addr}/v1/kv/data/${name}`, { headers: { "X-Vault-Token": token } });
          cache.set(name, { value: await res.json(), expires: Date.now() + 5000 });
          return cache.get(name).value;
        }
        async function login() { token = (await vaultLogin()).auth.client_token; }
        function forget() { token = null; }
        """, set()),
    ("TypeScript", """
        let signingKey: string | undefined;
        export async function key(): Promise<string> {
          if (!signingKey) { signingKey = (await readSecret("app")).signing_key; }
          return signingKey;
        }
        """, {"signingKey"}),
    ("TypeScript", """
        type Entry = { value: string; expires: number };
        let signingKey: Entry | undefined;
        export async function key(): Promise<string> {
          if (!signingKey || signingKey.expires < Date.now()) {
            signingKey = { value: (await readSecret("app")).signing_key, expires: Date.now() + 5000 };
          }
          return signingKey.value;
        }
        """, set()),
    ("Go", """
        package main
        import "sync"
        var once sync.Once
        var keys = map[string]string{}
        func key() string {
            once.Do(func() { keys["k"] = vault.Logical().Read("kv/data/app") })
            return keys["k"]
        }
        """, {"key", "keys"}),
    ("Go", """
        package main
        import "time"
        var keys = map[string]entry{}
        func key() string {
            if e, ok := keys["k"]; ok && time.Now().Before(e.expires) { return e.value }
            keys["k"] = entry{vault.Logical().Read("kv/data/app"), time.Now().Add(5 * time.Second)}
            return keys["k"].value
        }
        """, set()),
    ("Java", """
        class Keys {
            private static final String KEY = vault.logical().read("kv/data/app").getData().get("k");
            private static java.util.Map<String, String> cache = new java.util.HashMap<>();
            String key(String name) { return cache.computeIfAbsent(name, n -> vault.logical().read(n).getData().get("k")); }
            @Cacheable("secrets")
            String secret(String name) { return vault.logical().read(name).getData().get("k"); }
        }
        """, {"KEY", "cache", "secret"}),
    ("Java", """
        class Keys {
            private static final java.time.Duration TTL = java.time.Duration.ofSeconds(5);
            private static final Vault VAULT = new Vault(config);
            private final Cache<String, String> cache = Caffeine.newBuilder().expireAfterWrite(TTL).build();
            String key(String name) { return cache.get(name, n -> VAULT.logical().read(n).getData().get("k")); }
        }
        """, set()),
    ("Ruby", """
        KEY = Vault.logical.read("kv/data/app").data[:data][:key]
        class Keys
          def key
            @@key ||= Vault.logical.read("kv/data/app")
          end
        end
        """, {"KEY", "@@key"}),
    ("Ruby", """
        CACHE = {}
        class Keys
          def key(name)
            CACHE[name] = Vault.logical.read(name)
          end
        end
        """, {"CACHE"}),
    ("Ruby", """
        class Keys
          def initialize; @client ||= Vault::Client.new(address: ENV.fetch("VAULT_ADDR")); end
          def key; @client.logical.read("kv/data/app"); end
        end
        """, set()),
    ("C#", """
        class Keys {
            static readonly string Key = vault.V1.Secrets.KeyValue.V2.ReadSecretAsync("app").Result;
            static readonly Lazy<string> Token = new Lazy<string>(() => ReadSecret("app"));
        }
        """, {"Key", "Token"}),
    ("C#", """
        class Keys {
            static Dictionary<string, string> Cache = new Dictionary<string, string>();
            string Key(string name) { Cache[name] = ReadSecret(name); return Cache[name]; }
        }
        """, {"Cache"}),
    ("C#", """
        class Keys {
            static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);
            string Key() { return ReadSecret("app"); }
        }
        """, set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "code", "names"),
    KEPT,
    ids=[f"{lang}-{'bad' if n else 'good'}" for lang, _, n in KEPT],
)
def test_values_kept_from_vault_for_ever(language: str, code: str, names: set[str]) -> None:
    kept = _read(language, code).kept
    assert {k.name for k in kept} == names, kept


def test_every_language_has_both_tables() -> None:
    """Each language the gate reads has a known-bad and a known-good fixture in each table."""
    for table in (ENV_READS, KEPT):
        for lang in {lang.name for lang in LANGUAGES} - {"TSX"}:
            rows = [n - {"PORT"} for name, _, n in table if name == lang]
            assert any(rows) and not all(rows), lang  # a known-bad and a known-good row


# -- the checks on files: fallback, not read, not parsed ---------------------------------


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text))
    return path


def test_secret_named_reads_fail_and_the_fallback_may_read_them(tmp_path: Path) -> None:
    config = _write(tmp_path, "src/config.js", "export const key = process.env.SIGNING_KEY;\n")
    fallback = _write(tmp_path, "src/dev-fallback.js", """\
        // dev only: the rollback path
        const { SIGNING_KEY, DATABASE_URL } = process.env;
        const token = process.env.VAULT_TOKEN;
        """)  # fmt: skip
    evidence, findings = judge_code(
        [config, fallback], [fallback], plan_secrets={"DATABASE_URL"}, tokens={"VAULT_TOKEN"}
    )
    assert findings == [
        f"{config}:1: reads SIGNING_KEY from the environment: by its name, a signing key, which "
        "belongs in Vault (a reviewed non-secret goes in the target's env_allow)",
        # a token is a finding even in the fallback: the fallback takes secrets, not tokens
        f"{fallback}:3: reads the credential VAULT_TOKEN from the environment: a static Vault "
        "token, not an AppRole login",
    ]
    assert any("the dev-only fallback" in e.found for e in evidence)
    # the allow list takes a reviewed name off
    _, allowed = judge_code([config], [], plan_secrets=(), tokens=(), allow={"SIGNING_KEY"})
    assert allowed == []


def test_files_the_gate_cannot_judge(tmp_path: Path) -> None:
    broken = _write(tmp_path, "src/broken.ts", "const a = 1;\nconst b = process.env.X(;\n")
    rust = _write(tmp_path, "src/main.rs", 'fn main() { std::env::var("SIGNING_KEY"); }\n')
    binary = _write(tmp_path, "src/blob.js", b"\x00\x01binary")
    huge = _write(tmp_path, "src/bundle.js", "x = 1;\n" * 400_000)
    assert read_code(broken).status == NOT_PARSED and read_code(broken).line == 2
    assert read_code(rust).status == NOT_READ
    assert "binary" in read_code(binary).reason
    assert "over the 2000000-byte limit" in read_code(huge).reason
    good = _write(tmp_path, "src/ok.py", "import os\nport = os.environ.get('PORT')\n")

    evidence, findings = judge_code([broken, rust, binary, huge, good], [], (), ())
    assert findings == [f"{broken}:2: does not parse as TypeScript: its code was not judged"]
    not_read = next(e for e in evidence if e.looked_at == "3 source files not read")
    assert "main.rs: in no language the gate reads (.rs)" in not_read.found
    assert "blob.js: binary" in not_read.found and "bundle.js:" in not_read.found

    stale = check_no_stale_cache([broken, good], "prod")
    assert stale.findings == (f"{broken}:2: does not parse as TypeScript: its code was not judged",)
    # only files in languages the gate does not read: never a pass
    _, none_read = judge_code([rust], [], (), ())
    assert none_read == [
        "none of the 1 source files is in a language the gate reads: the code was not judged"
    ]
    assert not check_no_stale_cache([rust], "prod").passed


def test_a_script_without_suffix_is_read_by_its_shebang(tmp_path: Path) -> None:
    script = _write(tmp_path, "bin/serve", "#!/usr/bin/env node\nconst k = process.env.API_KEY;\n")
    reading = read_code(script)
    assert reading.language == "JavaScript" and reading.reads() == {"API_KEY": 2}


def test_a_missing_grammar_is_not_read_with_the_package_to_install() -> None:
    ghost = Language("Ghost", (".ghost",), "tree-sitter-ghost", "tree_sitter_ghost_missing")
    reading = read_source(b"x", ghost)
    assert reading.status == NOT_READ
    assert reading.reason == ("the Ghost grammar is not installed (pip install tree-sitter-ghost)")
