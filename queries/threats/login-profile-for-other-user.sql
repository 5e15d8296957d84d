-- title: Console password set for another user
-- severity: medium
-- description: CreateLoginProfile or UpdateLoginProfile naming a user other than the caller: a
--   console password given to, or reset for, someone else lets its setter sign in as them. Users
--   setting their own, and calls that failed, are left out.
-- references: MITRE ATT&CK T1098
-- attack: T1098
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.userName') AS target_user,
       json_extract_scalar(requestparameters, '$.passwordResetRequired') AS reset_required,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname IN ('CreateLoginProfile', 'UpdateLoginProfile')
  AND errorcode IS NULL
  AND json_extract_scalar(requestparameters, '$.userName') IS NOT NULL
  AND json_extract_scalar(requestparameters, '$.userName') <> coalesce(useridentity.username, '')
ORDER BY eventtime, eventid
