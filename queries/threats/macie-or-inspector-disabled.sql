-- title: Macie, Inspector, Detective or IAM Access Analyzer disabled
-- severity: high
-- description: Macie disabled or its session paused, Inspector scanning disabled (for any resource
--   type or account), the delegated administrator of Macie or Inspector removed, a Detective
--   behavior graph deleted or left, an IAM Access Analyzer analyzer deleted. Failed calls are left
--   out; GuardDuty, Config and Security Hub are in security-services-disabled.
-- references: MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventsource, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.analyzerName'), json_extract_scalar(requestparameters, '$.graphArn'),
                json_extract(requestparameters, '$.resourceTypes'), json_extract_scalar(requestparameters, '$.status'),
                json_extract_scalar(requestparameters, '$.delegatedAdminAccountId'), json_extract_scalar(requestparameters, '$.adminAccountId')) AS detail,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND errorcode IS NULL
  AND ((eventsource = 'macie2.amazonaws.com'
        AND (eventname IN ('DisableMacie', 'DisableOrganizationAdminAccount')
          OR (eventname = 'UpdateMacieSession' AND upper(coalesce(json_extract_scalar(requestparameters, '$.status'), '')) = 'PAUSED')))
    OR (eventsource = 'inspector2.amazonaws.com' AND eventname IN ('Disable', 'DisableDelegatedAdminAccount'))
    OR (eventsource = 'detective.amazonaws.com' AND eventname IN ('DeleteGraph', 'DisassociateMembership'))
    OR (eventsource = 'access-analyzer.amazonaws.com' AND eventname = 'DeleteAnalyzer'))
ORDER BY eventtime, eventid
