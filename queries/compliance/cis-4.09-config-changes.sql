-- title: AWS Config configuration changes (CIS 4.9)
-- severity: medium
-- description: Configuration recorders stopped or changed, delivery channels changed or deleted.
-- references: CIS AWS Foundations 4.9, 5.9 (v6), 3.9 (v1.2); Security Hub CloudWatch.9; MITRE ATT&CK T1562
-- attack: T1562
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'config.amazonaws.com' AND eventname IN ('StopConfigurationRecorder', 'DeleteDeliveryChannel', 'PutDeliveryChannel', 'PutConfigurationRecorder')
ORDER BY eventtime, eventid
