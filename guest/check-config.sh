#!/usr/bin/env bash
# Check that every option of a kernel config fragment survived in a .config.
#
#   guest/check-config.sh FRAGMENT DOTCONFIG
#
# Kconfig silently drops an option whose dependencies are not met, so after
# merging a fragment we compare: each `CONFIG_X=v` line must appear as is,
# and each `# CONFIG_X is not set` must not be enabled. Exits 1 naming every
# option that did not survive, 2 on bad usage.
set -eu

prog=check-config.sh
if [ $# -ne 2 ] || [ "${1:-}" = "--help" ]; then
	echo "usage: $prog FRAGMENT DOTCONFIG" >&2
	echo "  check that every option of the kernel config FRAGMENT survived in DOTCONFIG" >&2
	exit 2
fi
fragment=$1 dotconfig=$2
for f in "$fragment" "$dotconfig"; do
	[ -r "$f" ] || { echo "$prog: $f: cannot read file" >&2; exit 2; }
done

lost=""
checked=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		checked=$((checked + 1))
		grep -qxF -- "$line" "$dotconfig" || lost="$lost ${line}(now: $(grep -E "^(# )?${line%%=*}[= ]" "$dotconfig" || echo missing))"
		;;
	"# CONFIG_"*" is not set")
		checked=$((checked + 1))
		opt=${line#\# }
		opt=${opt%% *}
		if grep -qE "^${opt}=" "$dotconfig"; then
			lost="$lost ${opt}=n(now: $(grep -E "^${opt}=" "$dotconfig"))"
		fi
		;;
	esac
done <"$fragment"

if [ -n "$lost" ]; then
	echo "$prog: $dotconfig: options of $fragment that did not survive:$lost" >&2
	exit 1
fi
[ "$checked" -gt 0 ] || { echo "$prog: $fragment: no options found" >&2; exit 2; }
echo "$prog: all $checked options of $fragment are in $dotconfig"
