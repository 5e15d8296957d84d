-- title: IAM credential report generated or downloaded
-- severity: medium
-- description: GenerateCredentialReport and GetCredentialReport: one CSV listing every IAM user
--   with the age and last use of their passwords, access keys and MFA devices, which tells an
--   intruder which users and keys are worth taking over and which will not be missed. Reports
--   produced for AWS services (AWS Config rules, Security Hub, Trusted Advisor: invokedBy set or
--   an AWS service as source) are left out; refused calls are kept, with their error code.
-- references: MITRE ATT&CK T1087.004
-- attack: T1087.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal, useridentity.type AS identity_type,
       sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname IN ('GenerateCredentialReport', 'GetCredentialReport')
  AND useridentity.invokedby IS NULL
  AND coalesce(useridentity.type, '') <> 'AWSService'
  AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
ORDER BY eventtime, eventid
