-- title: NAT gateways, Elastic IPs and large or provisioned-IOPS volumes created
-- severity: low
-- description: Resources that bill by the hour whether used or not: NAT gateways, Elastic IP
--   addresses, EBS volumes of at least `min_volume_gib` GiB or of a provisioned-IOPS type (io1,
--   io2) or with more than 16,000 IOPS asked.
-- references: FinOps: idle resources
-- param: min_volume_gib int 1000 | volumes at least this large are reported
SELECT eventid, eventtime, eventname,
       CASE eventname
         WHEN 'CreateVolume' THEN concat(coalesce(json_extract_scalar(requestparameters, '$.volumeType'), 'gp2'), ' ', coalesce(json_extract_scalar(requestparameters, '$.size'), '?'), ' GiB')
         WHEN 'CreateNatGateway' THEN coalesce(json_extract_scalar(requestparameters, '$.CreateNatGatewayRequest.SubnetId'), json_extract_scalar(requestparameters, '$.subnetId'))
         ELSE json_extract_scalar(responseelements, '$.publicIp')
       END AS detail,
       user_display_name(useridentity) AS principal, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND errorcode IS NULL
  AND (eventname IN ('CreateNatGateway', 'AllocateAddress')
    OR (eventname = 'CreateVolume'
        AND (CAST(coalesce(json_extract_scalar(requestparameters, '$.size'), '0') AS BIGINT) >= $min_volume_gib
          OR json_extract_scalar(requestparameters, '$.volumeType') IN ('io1', 'io2')
          OR CAST(coalesce(json_extract_scalar(requestparameters, '$.iops'), '0') AS BIGINT) > 16000)))
ORDER BY eventtime, eventid
