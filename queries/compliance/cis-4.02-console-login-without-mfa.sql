-- title: Console sign-in without MFA (CIS 4.2)
-- severity: medium
-- description: Successful console sign-ins of IAM users where additionalEventData.MFAUsed is not Yes (the Security Hub CloudWatch.3 pattern, which leaves out SSO federated sign-ins that MFA elsewhere).
-- references: CIS AWS Foundations 4.2, 5.2 (v6), 3.2 (v1.2); Security Hub CloudWatch.3; MITRE ATT&CK T1078
-- attack: T1078
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname = 'ConsoleLogin'
  AND useridentity.type = 'IAMUser'
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
  AND (json_extract_scalar(additionaleventdata, '$.MFAUsed') IS NULL OR json_extract_scalar(additionaleventdata, '$.MFAUsed') <> 'Yes')
ORDER BY eventtime, eventid
