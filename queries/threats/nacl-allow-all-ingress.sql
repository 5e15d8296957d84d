-- title: Network ACL opened to all inbound traffic
-- severity: medium
-- description: CreateNetworkAclEntry or ReplaceNetworkAclEntry adding an inbound allow rule for
--   every protocol from 0.0.0.0/0 or ::/0: the subnet-level filter stops filtering. Entries on a
--   network ACL created in the hour before (an ACL being built, not yet guarding a subnet, as
--   infrastructure code does), egress rules, deny rules, single protocols and failed calls are
--   left out.
-- references: CIS AWS Foundations 5.1; MITRE ATT&CK T1562.007
-- attack: T1562.007
WITH entries AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         json_extract_scalar(requestparameters, '$.networkAclId') AS network_acl,
         json_extract_scalar(requestparameters, '$.ruleNumber') AS rule_number,
         coalesce(json_extract_scalar(requestparameters, '$.cidrBlock'), json_extract_scalar(requestparameters, '$.ipv6CidrBlock')) AS cidr,
         sourceipaddress, account, region
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'ec2.amazonaws.com'
    AND eventname IN ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry')
    AND errorcode IS NULL
    AND lower(json_extract_scalar(requestparameters, '$.ruleAction')) = 'allow'
    AND json_extract_scalar(requestparameters, '$.egress') = 'false'
    AND lower(coalesce(json_extract_scalar(requestparameters, '$.aclProtocol'), json_extract_scalar(requestparameters, '$.protocol'))) IN ('-1', 'all')
    AND (json_extract_scalar(requestparameters, '$.cidrBlock') = '0.0.0.0/0' OR json_extract_scalar(requestparameters, '$.ipv6CidrBlock') = '::/0')
),
created AS (
  SELECT json_extract_scalar(responseelements, '$.networkAcl.networkAclId') AS network_acl, eventtime AS created_at, account
  FROM cloudtrail
  WHERE eventtime >= $from - INTERVAL '1 hour' AND eventtime < $until
    AND eventsource = 'ec2.amazonaws.com' AND eventname = 'CreateNetworkAcl'
    AND errorcode IS NULL
)
SELECT e.eventid, e.eventtime, e.eventname, e.principal, e.network_acl, e.rule_number, e.cidr, e.sourceipaddress, e.account, e.region
FROM entries e
LEFT JOIN created c ON c.network_acl = e.network_acl AND c.account = e.account
  AND c.created_at <= e.eventtime AND c.created_at >= e.eventtime - INTERVAL '1 hour'
WHERE c.network_acl IS NULL
ORDER BY e.eventtime, e.eventid
