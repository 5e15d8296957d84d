-- title: SES readied for sending: identities verified, sending enabled, production access asked
-- severity: medium
-- description: Calls that prepare Amazon SES to send mail from the account: email addresses and
--   domains verified as senders (VerifyEmailIdentity, VerifyEmailAddress, VerifyDomainIdentity,
--   CreateEmailIdentity), sending switched back on (UpdateAccountSendingEnabled,
--   PutAccountSendingAttributes with true) and production access requested to leave the
--   sandbox (PutAccountDetails): the set-up of spam and phishing campaigns run on stolen
--   accounts, whose sending reputation and quota they burn. Refused calls are kept, with their
--   error code: attempts are as telling. Turning sending off is left out.
-- references: MITRE ATT&CK T1496.004
-- attack: T1496.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.emailAddress'), json_extract_scalar(requestparameters, '$.domain'),
                json_extract_scalar(requestparameters, '$.emailIdentity'), json_extract_scalar(requestparameters, '$.websiteURL')) AS target,
       sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ses.amazonaws.com'
  AND (eventname IN ('VerifyEmailIdentity', 'VerifyEmailAddress', 'VerifyDomainIdentity', 'CreateEmailIdentity', 'PutAccountDetails')
    OR (eventname = 'UpdateAccountSendingEnabled' AND coalesce(json_extract_scalar(requestparameters, '$.enabled'), 'true') = 'true')
    OR (eventname = 'PutAccountSendingAttributes' AND coalesce(json_extract_scalar(requestparameters, '$.sendingEnabled'), 'true') = 'true'))
ORDER BY eventtime, eventid
