-- title: CloudTrail configuration changes (CIS 4.5)
-- severity: high
-- description: Trails created, updated, deleted, started or stopped.
-- references: CIS AWS Foundations 4.5, 5.5 (v6), 3.5 (v1.2); Security Hub CloudWatch.5; MITRE ATT&CK T1562.008
-- attack: T1562.008
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'cloudtrail.amazonaws.com' AND eventname IN ('CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging')
ORDER BY eventtime, eventid
