@success_criteria @rotation_works @load
Feature: Rotation under load
  The plan's "rotate secrets, verify the application still works", with clients
  using the application while it happens: the application's secrets (what the target's
  rotation tool rotates, its database logins among them where it has any) are rotated
  three times under a bounded load. A client holding a valid token never sees
  a failed request, and every token signed with a rotated-away key is refused once
  its grace window has ended. Requests, failures and latency percentiles go into the
  sign-off report.

  @runs_ahead @load_experiment
  Scenario Outline: Rotating the application's secrets three times under load in <environment>
    Given the <environment> environment's Vault server
    And the application running in <environment>
    When clients use the application while an operator rotates the application's secrets 3 times
    Then no request of a client with a valid token failed
    And every credential issued with a rotated-away secret is refused once its grace window ends

    Examples:
      | environment |
      | prod        |
