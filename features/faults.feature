@faults
Feature: Faults: the application keeps its promises when its servers fail
  The plan's rollback section and its "verify the application still works" are
  promises about failure. Each scenario breaks a real server of its own (never the
  sign-off's) while the application serves, and looks at what its clients get.
  Production fails closed: while Vault cannot answer, a request that needs it gets the
  application's outage answer (its status, and its own words for the cause), never a
  stale or environment-variable secret; and it recovers by itself once Vault is back.

  What the application answers, says of itself and keeps is read through its target
  file ([app.outage], [app.diagnostics], [app.fallback], [app.write] and the list of
  records of [app.request], [app.cluster]). A scenario whose part of that contract the
  target does not declare is skipped, naming the missing part: not run, never passed.

  Scenario: Vault stopped, restarted sealed, then unsealed while production serves
    Given the target declares [app.outage] and [app.diagnostics] vault_logins, database_logins
    And a production application serving on servers of its own
    When Vault is stopped
    Then requests get the outage answer saying Vault is unreachable
    When Vault is started again but stays sealed
    Then requests get the outage answer saying Vault is sealed
    When Vault is unsealed
    Then the application serves again by itself, with a new login and a new database login

  Scenario: Vault gone: development may fall back to environment variables
    Given the target declares [app.outage], [app.fallback] and [app.diagnostics] secrets_source
    And a dev application serving on servers of its own
    When Vault is stopped
    Then requests get the outage answer saying Vault is unreachable
    When the application is restarted with the fallback variables in its environment
    Then it serves from the environment variables and says so loudly

  Scenario: Vault gone: production may not fall back to environment variables
    Given the target declares [app.outage] and [app.fallback]
    And a prod application serving on servers of its own
    When Vault is stopped
    Then requests get the outage answer saying Vault is unreachable
    When the application is restarted with the fallback variables in its environment
    Then it refuses to start and names the environment that forbids it

  Scenario: Tokens expire while the application serves
    Given the target declares [app.diagnostics] vault_logins, token_renewals
    And a production application serving on servers of its own
    When clients use it for longer than its Vault token may live
    Then no request failed
    And the application renewed its token and then logged in again

  Scenario Outline: A <state> secret_id is named as the cause
    Given the target declares [app.outage]
    And a production application serving on servers of its own
    When its secret_id is <state> and its Vault token runs out
    Then requests get the outage answer saying the AppRole login is refused
    And the answer names the secret_id file and no secret value
    When an operator puts a fresh secret_id in the file
    Then the application serves again by itself

    Examples:
      | state     |
      | destroyed |
      | expired   |

  Scenario Outline: PostgreSQL <fault> while the application serves
    Given the target declares [app.write] and [app.request] items
    And a production application serving on servers of its own
    And records written before the fault
    When PostgreSQL is <fault>
    Then the application serves again by itself
    And every record written before the fault is still there

    Examples:
      | fault     |
      | restarted |
      | crashed   |

  Scenario: The audit device cannot write
    Given the target declares [app.outage]
    And a production application serving on servers of its own
    When Vault's audit file becomes unwritable
    Then requests get the outage answer saying Vault cannot write its audit trail
    And Vault refused every request for want of an audit trail
    When the audit file is writable again
    Then the application serves again by itself

  Scenario: The leader of a three-node production cluster is killed
    Given the target declares [app.cluster] and [app.diagnostics] vault_addr
    And a production application serving on a three-node Vault cluster
    When the active node is killed while clients use the application
    Then a standby becomes the active node
    And the application serves again within 30 seconds of the kill
