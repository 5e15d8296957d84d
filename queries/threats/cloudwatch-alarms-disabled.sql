-- title: CloudWatch alarms deleted or silenced
-- severity: medium
-- description: Alarms deleted, their actions disabled (DisableAlarmActions), or an alarm (metric
--   or composite) written with actionsEnabled false: it still changes state but notifies no one.
--   Calls an AWS service made (invokedBy set: auto scaling removing its target-tracking alarms,
--   CloudFormation stacks) and failed calls are left out.
-- references: MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract(requestparameters, '$.alarmNames'), json_extract_scalar(requestparameters, '$.alarmName')) AS alarms,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'monitoring.amazonaws.com'
  AND eventname IN ('DeleteAlarms', 'DisableAlarmActions', 'PutMetricAlarm', 'PutCompositeAlarm')
  AND errorcode IS NULL
  AND useridentity.invokedby IS NULL
  AND (eventname IN ('DeleteAlarms', 'DisableAlarmActions')
    OR json_extract_scalar(requestparameters, '$.actionsEnabled') = 'false')
ORDER BY eventtime, eventid
