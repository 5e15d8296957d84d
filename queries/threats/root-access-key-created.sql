-- title: Access key created for the root user
-- severity: critical
-- description: CreateAccessKey called by the root user and successful: root keys are hardly
--   ever needed and give an attacker lasting, unrestricted API access to the account.
-- references: CIS AWS Foundations 1.4; MITRE ATT&CK T1098.001
-- attack: T1098.001
SELECT eventid, eventtime, json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS new_key,
       sourceipaddress, useragent, coalesce(useridentity.sessioncontext.attributes.mfaauthenticated,
                json_extract_scalar(additionaleventdata, '$.MFAUsed')) AS mfa_used, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname = 'CreateAccessKey'
  AND useridentity.type = 'Root'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
