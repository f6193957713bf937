import hvac

client = hvac.Client(url=ADDR)
client.auth.approle.login(
    role_id="ad73fd7f-e3ae-4064-a9e3-5ac12a95ab5f",
    secret_id="ce5605ff-55fd-4ce4-b19a-08d77954761b",
)
secret_id = read_file(SECRET_ID_PATH)
log.info("request %s", "9720e5f9-a8d9-472f-aeff-b260347c6f2e")
