# vault-gate as an image, for teams whose CI is not on Python:
#
#   docker build -t vault-gate .
#   docker run --rm -v "$PWD:/repo" vault-gate signoff --target vault-gate.toml
#
# The servers the sign-off starts (OpenBao, PostgreSQL) come from PyPI wheels inside the
# image and listen on 127.0.0.1 in the container; nothing else is needed. PostgreSQL will
# not run as root: the harness runs it as an unprivileged user it creates.
FROM python:3.12-slim
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends git bash \
    && rm -rf /var/lib/apt/lists/*
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
