-- title: Console authentication failures (CIS 4.6)
-- severity: medium
-- description: ConsoleLogin events with errorMessage Failed authentication.
-- references: CIS AWS Foundations 4.6, 5.6 (v6), 3.6 (v1.2); Security Hub CloudWatch.6; MITRE ATT&CK T1110
-- attack: T1110
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname = 'ConsoleLogin' AND errormessage = 'Failed authentication'
ORDER BY eventtime, eventid
