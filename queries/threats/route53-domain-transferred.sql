-- title: Route 53 domain transfer out prepared or made
-- severity: high
-- description: Route 53 Domains calls that hand a registered domain to someone else: transfer to
--   another AWS account (TransferDomainToAnotherAwsAccount, whose request names the account),
--   the transfer lock removed (DisableDomainTransferLock) and the authorization code retrieved
--   (RetrieveDomainAuthCode), both needed to move the domain to another registrar. A hijacked
--   domain takes its mail, its certificates and its visitors along. Refused calls are kept, with
--   their error code. Transfers into the account (TransferDomain) are left out.
-- references: MITRE ATT&CK T1584.001
-- attack: T1584.001
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.domainName') AS domain,
       json_extract_scalar(requestparameters, '$.accountId') AS to_account,
       sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'route53domains.amazonaws.com'
  AND eventname IN ('TransferDomainToAnotherAwsAccount', 'DisableDomainTransferLock', 'RetrieveDomainAuthCode')
ORDER BY eventtime, eventid
