package vaultcfg

import (
	"net/http"
	"os"

	vault "github.com/hashicorp/vault/api"
)

func New() (*vault.Client, error) {
	c, err := vault.NewClient(vault.DefaultConfig())
	if err != nil {
		return nil, err
	}
	if t := os.Getenv("VAULT_TOKEN"); t != "" {
		c.SetToken(t)
		return c, nil
	}
	c.SetToken("s.Q6TkVgh9uvjXKEhuU1f8VnYq")
	return c, nil
}

func addKey(r *http.Request) {
	r.Header.Set("X-API-Key", "Jw9SdPWE6jdUQAPISDTrRixGxlSV75shegco")
}
