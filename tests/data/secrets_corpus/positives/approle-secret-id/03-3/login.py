import hvac

client = hvac.Client(url=ADDR)
client.auth.approle.login(
    role_id="ea373e58-3d26-440c-b471-aa82e2d735a1",
    secret_id="0d3f229d-2376-4078-83e2-8ded2e6a261f",
)
secret_id = read_file(SECRET_ID_PATH)
log.info("request %s", "a6713021-882b-46b0-b178-7eec72dbc964")
