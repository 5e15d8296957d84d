-- title: EventBridge rules disabled, deleted or stripped of targets
-- severity: medium
-- description: DisableRule, DeleteRule and RemoveTargets: the rules that route GuardDuty, Security
--   Hub or CloudTrail events to alerting and automatic response stop delivering. Calls an AWS
--   service made (invokedBy set: services tidying their managed rules, CloudFormation stacks) and
--   failed calls are left out.
-- references: MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.rule')) AS rule,
       coalesce(json_extract_scalar(requestparameters, '$.eventBusName'), 'default') AS event_bus,
       json_extract(requestparameters, '$.ids') AS removed_targets,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'events.amazonaws.com'
  AND eventname IN ('DisableRule', 'DeleteRule', 'RemoveTargets')
  AND errorcode IS NULL
  AND useridentity.invokedby IS NULL
ORDER BY eventtime, eventid
