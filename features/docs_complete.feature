@success_criteria @docs_complete
Feature: The documentation is complete
  The plan's success criterion "Documentation complete": a setup guide, a usage
  guide, a troubleshooting guide and a rotation guide. A guide only counts if what it
  tells an operator to run exists: every script it names, every option it gives the
  rotation tool, every variable of the application it mentions.

  Scenario Outline: The guides exist and name only what exists, for <environment>
    Given the <environment> environment's Vault server
    When the harness checks the documentation
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
