-- title: RDS database made publicly accessible
-- severity: high
-- description: Database instances or Multi-AZ clusters created, restored (from a snapshot or to a
--   point in time), replicated or modified with publiclyAccessible set to true in the request:
--   the database gets an address reachable from the internet, and with a security group to
--   match, anyone knowing the master password (see rds-master-password-changed) can dump it.
--   Calls that failed, and calls leaving the setting to its default, are left out.
-- references: MITRE ATT&CK T1562.007, T1578
-- attack: T1562.007; T1578
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.dBInstanceIdentifier'), json_extract_scalar(requestparameters, '$.dBClusterIdentifier')) AS db,
       coalesce(json_extract_scalar(requestparameters, '$.dBSnapshotIdentifier'), json_extract_scalar(requestparameters, '$.dBClusterSnapshotIdentifier'),
                json_extract_scalar(requestparameters, '$.sourceDBInstanceIdentifier'), json_extract_scalar(requestparameters, '$.sourceDBClusterIdentifier'),
                json_extract_scalar(requestparameters, '$.snapshotIdentifier')) AS restored_from,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'rds.amazonaws.com'
  AND eventname IN ('CreateDBInstance', 'ModifyDBInstance', 'CreateDBInstanceReadReplica', 'RestoreDBInstanceFromDBSnapshot',
                    'RestoreDBInstanceToPointInTime', 'RestoreDBInstanceFromS3', 'CreateDBCluster', 'ModifyDBCluster',
                    'RestoreDBClusterFromSnapshot', 'RestoreDBClusterToPointInTime')
  AND errorcode IS NULL
  AND json_extract_scalar(requestparameters, '$.publiclyAccessible') = 'true'
ORDER BY eventtime, eventid
