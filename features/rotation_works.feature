@success_criteria @rotation_works
Feature: Rotation works and invalidates old values
  The plan's success criterion "Secret rotation working", and its phase 5:
  "rotate secrets, verify the application still works, verify old secrets are
  invalidated". The application keeps running throughout; what was valid before
  the rotation is tried again after it.

  Scenario Outline: The application's code in <environment> caches no secret for ever
    Given the <environment> environment's Vault server
    When the harness reads the application's code for secrets cached without expiry
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |

  @runs_ahead @rotation_experiment
  Scenario Outline: Rotating every secret in <environment> leaves no old value usable
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in before the rotation
    When an operator rotates every secret with the application's own rotation tool
    And the grace window for the old values has passed
    Then the application still serves the user after a new login
    And every old value the target declares is refused
    And the application serves the new key versions

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
