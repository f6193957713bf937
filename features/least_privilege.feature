@success_criteria @least_privilege
Feature: Policies grant least privilege
  The plan's policy grants one application both development and production. The
  application's policy in each environment must grant read on its own tree and its
  own database logins only: no sudo, no sys/ or auth/ paths, no glob beyond its tree,
  nothing of another environment, no writes. The server's own answer
  (sys/capabilities) is the arbiter, and every rule must be used: a grant the
  application never exercised in the audit log is a finding, except the token
  self-maintenance every token has and grants whose use waits for time the run cannot
  cover (renewal, revocation at shutdown), which the evidence names. A failing verdict
  carries the policy suggested from the audit log and its diff against the app's. The application's own
  set-up made its AppRole: read back from the server, its secret_ids and tokens must
  expire, its uses be bounded where the environment says so, and in production it
  must be bound to the application's network.

  Scenario Outline: The policy file for <environment> grants only its own tree, read-only
    Given the <environment> environment's Vault server
    When the harness analyses the application's policy file
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |

  Scenario Outline: The application's policy in <environment> grants what it uses and nothing more
    Given the <environment> environment's Vault server
    And the application running in <environment>
    And a user who logged in and made an authenticated request
    When the harness analyses the application's policy against the server and the audit log
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |

  Scenario Outline: The application's AppRole in <environment> is bounded, and so are the policies it attaches
    Given the <environment> environment's Vault server
    When the harness reads the application's AppRole and the policies it attaches from the server
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |

  Scenario Outline: The database in <environment> opens only to its own logins, and its admin password is Vault's alone
    Given the <environment> environment's Vault server
    When the harness tries the environment's database logins on every environment's database
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
