@success_criteria @app_reads_from_vault
Feature: The application retrieves its secrets from Vault
  The plan's success criterion "Application retrieves secrets from Vault". Vault's
  audit log is the witness: every secret the application needs (each KV entry the
  target declares, and its database login where it has one) must have been read by a
  token of the application's own AppRole.

  Scenario Outline: Vault's audit log shows the application in <environment> reading each of its secrets
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in and made an authenticated request
    When the harness reads the audit log for the application's reads
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
