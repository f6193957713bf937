@success_criteria @cicd_updated
Feature: CI/CD workflows authenticate to Vault
  The plan's success criterion "CI/CD workflows updated". The deployment workflow
  must log in to Vault without a stored Vault token (AppRole or JWT/OIDC), must not
  use a static token anywhere, and must hold no secret literal.

  Scenario Outline: The deployment workflow for <environment> uses Vault and holds no secret
    Given the <environment> environment's Vault server
    When the harness checks the CI/CD workflows
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
