// Starts s3rver (the npm package, a second S3 implementation for pitr's tests) with the test credentials
// registered, so pitr signs its requests exactly as it would for a real store.
// Usage: node s3rver-launch.js DIR PORT ACCESS_KEY SECRET_KEY   (NODE_PATH: s3rver's node_modules)
const [dir, port, accessKey, secretKey] = process.argv.slice(2);
require('s3rver/lib/models/account').DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
const S3rver = require('s3rver');
new S3rver({ directory: dir, address: '127.0.0.1', port: Number(port), silent: true }).run((err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log('listening on ' + port);
});
