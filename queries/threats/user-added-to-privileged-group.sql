-- title: User added to a privileged IAM group
-- severity: high
-- description: AddUserToGroup for a group whose name matches `privileged_group` (admin, power,
--   root or security by default): the user gets the group's rights at once. Calls that failed
--   are left out.
-- references: MITRE ATT&CK T1098.003
-- attack: T1098.003
-- param: privileged_group string (?i)admin|power|root|security | regular expression on the group name
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.userName') AS target_user,
       json_extract_scalar(requestparameters, '$.groupName') AS group_name,
       sourceipaddress, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname = 'AddUserToGroup'
  AND errorcode IS NULL
  AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.groupName'), ''), $privileged_group)
ORDER BY eventtime, eventid
