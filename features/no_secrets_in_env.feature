@success_criteria @no_secrets_in_env
Feature: No secrets in environment variables
  The plan's success criterion "No secrets in environment variables". The running
  application (every process of it: the server and its workers) may hold the Vault
  address, the CA file, its role_id and the path of its secret_id file, and nothing
  secret: no value that is in Vault, in plain, URL-encoded or base64 form, and no
  variable such as SECRET_KEY or a DATABASE_URL with a password.

  Scenario Outline: The application's processes in <environment> hold no secret
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in and made an authenticated request
    When the harness inspects every process of the application for secrets
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
