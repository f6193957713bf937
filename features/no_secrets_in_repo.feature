@success_criteria @no_secrets_in_repo
Feature: No secrets in the repository
  The plan's starting point was secrets in .env files. The application's repository
  must hold no secret now, and must never have: its files, the untracked ones, every
  commit of its history and the application's own logs are searched, for Vault
  tokens, unseal keys, secret_ids, passwords in connection URLs, every value that is
  in Vault, and committed .env files.

  Scenario Outline: The repository and all its history hold no secret of <environment>
    Given the <environment> environment's Vault server
    When the harness scans the repository and its history
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |

  Scenario Outline: The logs of the application in <environment> hold no secret
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in and made an authenticated request
    When the harness scans the application's logs
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
