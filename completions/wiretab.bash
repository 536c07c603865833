# bash completion for wiretab                                      -*- shell-script -*-
# Installed as share/bash-completion/completions/wiretab. The options come from the
# program itself (wiretab --help-all), so new options complete without editing this file;
# the list below is the fallback when the binary cannot be run.

_wiretab_options()
{
    local cmd=$1
    if [[ -z ${_wiretab_opts_cache-} ]]; then
        _wiretab_opts_cache=$(LC_ALL=C LANGUAGE= "$cmd" --help-all 2>/dev/null |
            grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | tr -d ' ,' | sort -u)
        [[ -n $_wiretab_opts_cache ]] || _wiretab_opts_cache="-r --read -i --interface
            -D --list-interfaces -c --count --duration -f --filter --format -o --output
            --log-dir --explain --follow --follow-dir --overlap-policy --time-wait --max-flows
            --reassembly-dir-cap --reassembly-cap --verify-checksums --top --interval
            --no-promisc -s --snaplen -B --buffer-size -q --quiet -w --write --version
            -h --help --help-all"
    fi
    printf '%s\n' $_wiretab_opts_cache
}

_wiretab_complete()
{
    local cur=$2 prev=$3 cmd=$1
    COMPREPLY=()
    case $prev in
        --format)
            COMPREPLY=($(compgen -W 'text json csv html' -- "$cur")); return ;;
        --overlap-policy)
            COMPREPLY=($(compgen -W 'first last' -- "$cur")); return ;;
        -i|--interface)
            COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null) any" -- "$cur")); return ;;
        -r|--read)
            # capture files and directories to walk into
            COMPREPLY=($(compgen -d -- "$cur")
                       $(compgen -f -X '!*.@(pcap|pcapng|cap|pcap.gz|pcapng.gz|dmp)' -- "$cur"))
            [[ $cur == - ]] && COMPREPLY+=(-)
            return ;;
        -o|--output|-w|--write)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --log-dir|--follow-dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -c|--count|--duration|--time-wait|--max-flows|--reassembly-dir-cap|--reassembly-cap|\
        --top|--interval|-s|--snaplen|-B|--buffer-size|-f|--filter|--explain|--follow|\
        --clickhouse|--sensor|--clickhouse-batch|--clickhouse-queue|--clickhouse-timeout|\
        --clickhouse-cluster|--from-clickhouse|--since|--until|--metrics)
            return ;; # a value of the user's own
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_wiretab_options "$cmd")" -- "$cur"))
        # --opt=value forms: complete the option, the user types '=' or a space
        return
    fi
}
shopt -q extglob || shopt -s extglob
complete -F _wiretab_complete wiretab
