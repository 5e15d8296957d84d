-- title: Security group opened to the internet
-- severity: high
-- description: Ingress rules allowing every address, added with AuthorizeSecurityGroupIngress
--   (ipRanges/ipv6Ranges) or ModifySecurityGroupRules (CidrIpv4/CidrIpv6), read from the request
--   JSON: any network with a prefix length of 0 (0.0.0.0/0, ::/0, and 203.0.113.7/0, which AWS
--   accepts and which is the same rule). Calls that failed are left out.
-- references: CIS AWS Foundations 5.2, 5.3; MITRE ATT&CK T1562.007
-- attack: T1562.007
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.groupId'), json_extract_scalar(requestparameters, '$.ModifySecurityGroupRulesRequest.GroupId')) AS group_id,
       regexp_match(requestparameters, '"(?:fromPort|FromPort)"\s*:\s*"?(-?\d+)')[1] AS from_port,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules')
  AND errorcode IS NULL
  AND regexp_like(requestparameters, '"(?i:cidrIp|cidrIpv6|CidrIpv4)"\s*:\s*"[0-9a-fA-F.:]*/0"')
ORDER BY eventtime, eventid
