-- title: MFA device deactivated or deleted
-- severity: high
-- description: DeactivateMFADevice and DeleteVirtualMFADevice: a user (or the root user) left
--   without a second factor, often a step in taking an account over with its password alone.
--   Calls that failed are left out.
-- references: CIS AWS Foundations 1.10; MITRE ATT&CK T1556.006
-- attack: T1556.006
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.userName') AS target_user,
       json_extract_scalar(requestparameters, '$.serialNumber') AS device,
       sourceipaddress, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
