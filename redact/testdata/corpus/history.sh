ls -la /opt/caracal
curl -u admin:curlUserPw-2468 https://api.caracal.example/v1/zones
curl -sS --user 'ops:curlQuotedPw-1357' -H "Authorization: Bearer curlBearer-9A8b7C6d5E4f" https://api.caracal.example/healthz
psql "host=db.internal port=5432 dbname=caracal user=caracal password=dsnPw-8642 sslmode=require"
./migrate --password=flagPw-9753 --token flagToken-1122 --verbose
redis-cli -h redis.internal CONFIG SET requirepass redisCfgPw-3344
kubectl -n caracal logs caracal-sts-0 --since=1h
git checkout 3f5e7a9b1c2d4e6f8091a2b3c4d5e6f708192a3b
