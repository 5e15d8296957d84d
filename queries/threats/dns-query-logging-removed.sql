-- title: DNS query logging removed
-- severity: high
-- description: Route 53 Resolver query logging configurations deleted or detached from a VPC, and
--   Route 53 public hosted zone query logging deleted: DNS lookups (of command and control or
--   exfiltration domains, say) are no longer recorded. Failed calls are left out.
-- references: MITRE ATT&CK T1562.008
-- attack: T1562.008
SELECT eventid, eventtime, eventsource, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.resolverQueryLogConfigId'), json_extract_scalar(requestparameters, '$.id')) AS config_id,
       json_extract_scalar(requestparameters, '$.resourceId') AS vpc,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND errorcode IS NULL
  AND ((eventsource = 'route53resolver.amazonaws.com'
        AND eventname IN ('DeleteResolverQueryLogConfig', 'DisassociateResolverQueryLogConfig'))
    OR (eventsource = 'route53.amazonaws.com' AND eventname = 'DeleteQueryLoggingConfig'))
ORDER BY eventtime, eventid
