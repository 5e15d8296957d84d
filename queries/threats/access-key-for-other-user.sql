-- title: Access key created for another user
-- severity: high
-- description: CreateAccessKey naming a user other than the caller: a classic persistence step.
--   Keys users create for themselves are left out.
-- references: MITRE ATT&CK T1098.001
-- attack: T1098.001
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.userName') AS target_user,
       json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS new_key,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname = 'CreateAccessKey'
  AND errorcode IS NULL
  AND json_extract_scalar(requestparameters, '$.userName') IS NOT NULL
  AND json_extract_scalar(requestparameters, '$.userName') <> coalesce(useridentity.username, '')
ORDER BY eventtime, eventid
