-- title: Unauthorized API calls (CIS 4.1)
-- severity: medium
-- description: Calls refused with an UnauthorizedOperation or AccessDenied error code, except S3 log delivery and HeadBucket. The CIS v3 text mixes || and && without parentheses; this query reads it the way its intent and common implementations do: (errorCode = *UnauthorizedOperation OR errorCode = AccessDenied*) AND sourceIPAddress != delivery.logs.amazonaws.com AND eventName != HeadBucket.
-- references: CIS AWS Foundations 4.1 (v1.4-v5), 5.1 (v6), 3.1 (v1.2); Security Hub CloudWatch.2; MITRE ATT&CK T1580
-- attack: T1580
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND (errorcode LIKE '%UnauthorizedOperation' OR errorcode LIKE 'AccessDenied%')
  AND (sourceipaddress IS NULL OR sourceipaddress <> 'delivery.logs.amazonaws.com')
  AND eventname <> 'HeadBucket'
ORDER BY eventtime, eventid
