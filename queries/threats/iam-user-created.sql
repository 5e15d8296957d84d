-- title: IAM user created
-- severity: medium
-- description: Successful CreateUser calls: long-lived IAM users are a favourite way to keep
--   access to an account, and rare where people sign in through federation.
-- references: MITRE ATT&CK T1136.003
-- attack: T1136.003
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.userName') AS new_user,
       json_extract_scalar(requestparameters, '$.path') AS path,
       sourceipaddress, useragent, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname = 'CreateUser'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
