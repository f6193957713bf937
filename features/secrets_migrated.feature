@success_criteria @secrets_migrated
Feature: All secrets are migrated to Vault
  The plan's success criterion "All secrets migrated to Vault".
  Every secret the target declares (its [vault.secrets] entries and keys) must exist
  in the environment's own tree in Vault with a usable value, and the application's code must read none of them from environment
  variables, except in the one module that implements the plan's dev-only rollback.

  Scenario Outline: Every secret of the plan is in Vault for <environment>
    Given the <environment> environment's Vault server
    When the harness checks that every secret of the plan is in Vault and nowhere else
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
