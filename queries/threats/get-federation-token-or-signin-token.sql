-- title: Console session made from API credentials
-- severity: medium
-- description: GetFederationToken (temporary credentials for a federated user, minted from an IAM
--   user's long-term key) and GetSigninToken (the federation endpoint turning temporary
--   credentials into a console sign-in URL): together the way tools such as aws_consoler give a
--   stolen key a console session. Brokers and developer tools (aws-vault login, granted and the
--   like) make the same calls; `new_for_principal` says whether the user or role (sessions of a
--   role count as the role) made this call in the look-back before the period. Failed calls are
--   left out.
-- references: MITRE ATT&CK T1550.001
-- attack: T1550.001
WITH calls AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal_arn,
         json_extract_scalar(requestparameters, '$.name') AS federated_name,
         sourceipaddress, useragent, account, region
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND ((eventsource = 'sts.amazonaws.com' AND eventname = 'GetFederationToken')
      OR (eventsource = 'signin.amazonaws.com' AND eventname = 'GetSigninToken'))
    AND errorcode IS NULL
    AND coalesce(json_extract_scalar(responseelements, '$.GetSigninToken'), 'Success') = 'Success'
),
before AS (
  SELECT DISTINCT eventname, coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal_arn
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
    AND ((eventsource = 'sts.amazonaws.com' AND eventname = 'GetFederationToken')
      OR (eventsource = 'signin.amazonaws.com' AND eventname = 'GetSigninToken'))
    AND errorcode IS NULL
)
SELECT c.eventid, c.eventtime, c.eventname, c.principal, c.federated_name, b.principal_arn IS NULL AS new_for_principal,
       c.sourceipaddress, c.useragent, c.account, c.region
FROM calls c
LEFT JOIN before b ON b.eventname = c.eventname AND b.principal_arn = c.principal_arn
ORDER BY c.eventtime, c.eventid
