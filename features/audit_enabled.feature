@success_criteria @audit_enabled
Feature: Audit logging is enabled
  The plan's success criterion "Audit logging enabled". The environment's Vault has
  the audit devices its profile requires, with raw logging off; the application's own
  requests are in the log; and a canary value planted in Vault and read back appears
  there only as an HMAC, never in plain text.

  Scenario Outline: Vault in <environment> audits every request and never logs a secret in plain text
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in and made an authenticated request
    When the harness plants a canary in Vault and checks the audit log
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
