module.exports = { skipDownload: true }; // tests drive Debian's /usr/bin/chromium (scripts/ensure-deps.sh)
