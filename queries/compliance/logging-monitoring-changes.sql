-- title: Changes to logging and monitoring
-- severity: high
-- description: Every call that is not read-only to CloudTrail, AWS Config, GuardDuty, Security Hub
--   and IAM Access Analyzer (failed calls included, with their error code); CloudWatch alarms
--   created or changed (PutMetricAlarm), deleted, or with their actions disabled; CloudWatch Logs
--   groups, streams, metric filters and subscription filters deleted, and retention set (to any
--   value).
-- references: SOC 2 CC7.2; ISO 27001 A.8.15; MITRE ATT&CK T1562
-- attack: T1562
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND (readonly IS NULL OR NOT readonly)
  AND (eventsource IN ('cloudtrail.amazonaws.com', 'config.amazonaws.com', 'guardduty.amazonaws.com', 'securityhub.amazonaws.com', 'access-analyzer.amazonaws.com')
    OR (eventsource = 'monitoring.amazonaws.com' AND eventname IN ('DeleteAlarms', 'DisableAlarmActions', 'PutMetricAlarm'))
    OR (eventsource = 'logs.amazonaws.com' AND eventname IN ('DeleteLogGroup', 'DeleteLogStream', 'PutRetentionPolicy', 'DeleteMetricFilter', 'DeleteSubscriptionFilter')))
ORDER BY eventtime, eventid
