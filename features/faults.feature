@faults
Feature: Faults: the application keeps its promises when its servers fail
  The plan's rollback section and its "verify the application still works" are
  promises about failure. Each scenario breaks a real server of its own (never the
  sign-off's) while the application serves, and looks at what its clients get.
  Production fails closed: while Vault cannot answer, a request that needs it gets
  503 and the reason, never a stale or environment-variable secret; and it recovers
  by itself once Vault is back.

  Scenario: Vault stopped, restarted sealed, then unsealed while production serves
    Given a production application serving on servers of its own
    When Vault is stopped
    Then requests get 503 with the reason "unreachable"
    When Vault is started again but stays sealed
    Then requests get 503 with the reason "sealed"
    When Vault is unsealed
    Then the application serves again by itself, with a new login and a new database login

  Scenario Outline: Vault gone: only <environment> <may> fall back to environment variables
    Given a <environment> application serving on servers of its own
    When Vault is stopped
    Then requests get 503 with the reason "unreachable"
    When the application is restarted with the fallback variables in its environment
    Then it <outcome>

    Examples:
      | environment | may     | outcome                                                  |
      | dev         | may     | serves from the environment variables and says so loudly |
      | prod        | may not | refuses to start and names the profile that forbids it   |

  Scenario: Tokens expire while the application serves
    Given a production application serving on servers of its own
    When clients use it for longer than its Vault token may live
    Then no request failed
    And the application renewed its token and then logged in again

  Scenario Outline: A <state> secret_id is named as the cause
    Given a production application serving on servers of its own
    When its secret_id is <state> and its Vault token runs out
    Then requests get 503 with the reason "AppRole login refused"
    And the reason names the secret_id file and no secret value
    When an operator puts a fresh secret_id in the file
    Then the application serves again by itself

    Examples:
      | state     |
      | destroyed |
      | expired   |

  Scenario Outline: PostgreSQL <fault> while the application serves
    Given a production application serving on servers of its own
    And orders written before the fault
    When PostgreSQL is <fault>
    Then the application serves again by itself
    And every order written before the fault is still there

    Examples:
      | fault     |
      | restarted |
      | crashed   |

  Scenario: The audit device cannot write
    Given a production application serving on servers of its own
    When Vault's audit file becomes unwritable
    Then requests get 503 with the reason "server error"
    And Vault refused every request for want of an audit trail
    When the audit file is writable again
    Then the application serves again by itself

  Scenario: The leader of a three-node production cluster is killed
    Given a production application serving on a three-node Vault cluster
    When the active node is killed while clients use the application
    Then a standby becomes the active node
    And the application serves again within 30 seconds of the kill
