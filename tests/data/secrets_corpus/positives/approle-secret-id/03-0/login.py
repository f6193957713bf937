import hvac

client = hvac.Client(url=ADDR)
client.auth.approle.login(
    role_id="ceea0ec4-bd0c-4857-9048-799574cd471b",
    secret_id="4e1ea77e-2840-4270-b701-45cc2bb72bfa",
)
secret_id = read_file(SECRET_ID_PATH)
log.info("request %s", "dc15cc46-5dd6-4cfd-ab56-dc2306a0e442")
