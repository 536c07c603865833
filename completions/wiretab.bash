# bash completion for wiretab
