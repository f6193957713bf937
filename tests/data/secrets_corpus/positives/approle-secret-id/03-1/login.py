import hvac

client = hvac.Client(url=ADDR)
client.auth.approle.login(
    role_id="b5853bb9-803a-4ba4-a450-f5a0a4b0ab46",
    secret_id="82fd0e71-70bf-4eca-93ac-d4325d2e5870",
)
secret_id = read_file(SECRET_ID_PATH)
log.info("request %s", "e6e2cf8b-0c5d-49ca-bb38-1ee2cec2be6a")
