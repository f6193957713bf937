@success_criteria @vault_running
Feature: Vault is running and reachable
  The plan's success criterion "Vault running and accessible".
  Answering on a port is not enough: the server must be initialised and unsealed,
  speak TLS (checked against the CA the application is given) wherever the
  environment requires it, and must not be a dev-mode server, whose in-memory
  storage loses every secret on restart, outside development.

  Scenario Outline: Vault is running and reachable in <environment>
    Given the <environment> environment's Vault server
    When the harness checks that Vault is running and reachable
    Then the check passes
    And the evidence shows the address, the seal state and the storage

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
