from dinnerbot.cli import main

main()
