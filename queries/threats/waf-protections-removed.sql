-- title: WAF web ACL deleted, detached or emptied
-- severity: high
-- description: Web ACLs deleted or disassociated from their load balancer, API stage or other
--   resource (AWS WAF, and WAF Classic global or regional), and a WAF web ACL updated to no rules
--   at all with a default action of allow: the application is exposed without its filtering.
--   Ordinary rule edits and failed calls are left out.
-- references: MITRE ATT&CK T1562.007
-- attack: T1562.007
SELECT eventid, eventtime, eventsource, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.webACLId'), json_extract_scalar(requestparameters, '$.id')) AS web_acl,
       json_extract_scalar(requestparameters, '$.resourceArn') AS resource,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource IN ('wafv2.amazonaws.com', 'waf.amazonaws.com', 'waf-regional.amazonaws.com')
  AND eventname IN ('DeleteWebACL', 'DisassociateWebACL', 'UpdateWebACL')
  AND errorcode IS NULL
  AND (eventname IN ('DeleteWebACL', 'DisassociateWebACL')
    OR (eventsource = 'wafv2.amazonaws.com'
        AND regexp_like(requestparameters, '"(?i:rules)"\s*:\s*\[\s*\]')
        AND regexp_like(requestparameters, '"(?i:defaultAction)"\s*:\s*\{\s*"(?i:allow)"')))
ORDER BY eventtime, eventid
