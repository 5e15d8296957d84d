-- title: Everything one principal or access key did
-- severity: info
-- description: Every event whose principal matches: a user name, role or user ARN, role session
--   ARN, principal id or access key id (exact match on any of them, or the role behind a session).
-- references: Incident response: scoping
-- param: principal string required | user name, ARN, principal id, access key id, or the name findings print (root, Role/session)
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, useridentity.accesskeyid AS access_key,
       sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND ($principal IN (useridentity.username, useridentity.arn, useridentity.principalid, useridentity.accesskeyid, useridentity.sessioncontext.sessionissuer.arn, useridentity.sessioncontext.sessionissuer.username,
                      user_display_name(useridentity)))
ORDER BY eventtime, eventid, eventname, eventsource, account, region, principal, access_key, sourceipaddress, useragent, errorcode
