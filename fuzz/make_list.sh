# make_list.sh: sourced by build.sh, coverage.sh and campaign.sh (run from
# the top of the tree) so that target and source lists come from the
# Makefile's fuzz section only.

# make_list NAME: the words of the Makefile variable NAME := a \ b \ c
make_list() {
	awk -v name="$1" '
		!on && $1 == name && $2 == ":=" { on = 1; sub(/^[^=]*:=/, "") }
		on {
			cont = $0 ~ /\\[ \t]*$/
			sub(/\\[ \t]*$/, "")
			printf "%s ", $0
			if (!cont)
				exit
		}
	' Makefile
}
